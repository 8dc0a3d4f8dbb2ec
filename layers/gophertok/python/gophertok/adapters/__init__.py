"""Adapters: the only modules that import pymysql, redis, kafka-python or boto3."""
