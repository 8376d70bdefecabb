"""kaminari.tracking"""
