"""rufc.frontend"""
