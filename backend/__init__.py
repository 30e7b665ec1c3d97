"""rufc.backend"""
