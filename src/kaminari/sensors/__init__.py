"""kaminari.sensors"""
