"""kaminari.firecontrol"""
