# Dari under gunicorn. Build: docker build -t dari .   (see README, "Running with Docker Compose")
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FLASK_APP=wsgi DARI_CONFIG=production
WORKDIR /srv/dari

COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN pybabel compile -d app/translations \
    && useradd --system --home /srv/dari dari \
    && mkdir -p instance && chown dari instance
USER dari

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["sh", "-c", "flask db upgrade && exec gunicorn -c gunicorn.conf.py wsgi:app"]
