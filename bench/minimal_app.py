"""The practical ceiling for bench_load.py: a Flask app with one JSON endpoint and nothing else.

Served by the same gunicorn settings as the service, so the ratio of the two says how much of a
request's cost is the service's own work (queries, templates, sessions) and not Flask or gunicorn.
"""
from flask import Flask, jsonify


def create_app():
    app = Flask(__name__)

    @app.get("/")
    def ping():
        return jsonify(status="ok", service="minimal")

    return app
