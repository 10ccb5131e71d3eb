"""The yardstick for scripts/bench.py: a bare Flask page rendering a 20-item template, served by
gunicorn with the same settings as Dari. Every Dari page's speed is given as a ratio to this one."""

from flask import Flask, render_template
from jinja2 import DictLoader

app = Flask(__name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><header><a href="/">Home</a> <a href="/about">About</a></header>
<main><h1>{{ title }}</h1>
<ul>{% for item in items %}<li class="item-{{ loop.index }}"><a href="/items/{{ item.id }}">{{ item.name }}</a>
 <span>{{ item.status }}</span></li>{% endfor %}</ul></main>
<footer><p>A bare page.</p></footer></body></html>"""
app.jinja_loader = DictLoader({"page.html": PAGE})  # compiled once, cached like any app's templates
ITEMS = [{"id": n, "name": f"Item number {n}", "status": "done" if n % 2 else "open"} for n in range(1, 21)]


@app.route("/")
def page():
    return render_template("page.html", title="Twenty items", items=ITEMS)
