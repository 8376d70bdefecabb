"""kaminari.engagement"""
