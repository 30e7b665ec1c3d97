"""rufc.dialects"""
