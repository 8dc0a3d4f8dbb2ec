"""Adapters: the only modules that import pymysql, redis, confluent-kafka or boto3."""
