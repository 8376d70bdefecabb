"""kaminari.report"""
