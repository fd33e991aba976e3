# custid: the API (`custid api`) and the workers (`custid worker`) from one image.
# The first stage builds the wheel (it carries the pattern packs, the migrations, the web page
# and the calibration); the image installs it, with no source tree.
FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY extractor ./extractor
COPY workers ./workers
COPY samples ./samples
COPY patterns ./patterns
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra \
      tesseract-ocr-nld tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-osd \
 && rm -rf /var/lib/apt/lists/*

COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl \
 && rm -rf /wheels \
 && useradd --create-home --uid 1000 custid \
 && mkdir /data && chown custid /data

USER custid
WORKDIR /home/custid
ENV CUSTID_DATA_DIR=/data PYTHONUNBUFFERED=1
VOLUME /data
EXPOSE 8000
CMD ["custid", "api", "--host", "0.0.0.0", "--port", "8000"]
