"""kaminari.campaign"""
