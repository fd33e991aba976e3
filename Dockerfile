# custid: the API (`custid api`) and the workers (`custid worker`) from one image.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra \
      tesseract-ocr-nld tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-osd \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY extractor ./extractor
COPY workers ./workers
COPY samples ./samples
COPY patterns ./patterns
COPY migrations ./migrations
# Editable: the pattern packs and migrations are read from /app.
RUN pip install --no-cache-dir -e . \
 && useradd --create-home --uid 1000 custid \
 && mkdir /data && chown custid /data

USER custid
ENV CUSTID_DATA_DIR=/data PYTHONUNBUFFERED=1
VOLUME /data
EXPOSE 8000
CMD ["custid", "api", "--host", "0.0.0.0", "--port", "8000"]
