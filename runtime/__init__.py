"""rufc.runtime"""
