"""rufc.passes"""
