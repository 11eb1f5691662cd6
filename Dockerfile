# The one image every service of docker-compose.yml runs: the portal, the relay, the workers and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MEDREG_VAR=/var/lib/medreg

WORKDIR /src
COPY pyproject.toml ./
COPY models ./models
COPY pipeline ./pipeline
COPY portal ./portal
COPY publisher ./publisher
COPY workers ./workers
# psycopg[binary], argon2-cffi and cryptography ship wheels: no compiler or libpq needed.
RUN pip install . && rm -rf /src

RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/medreg --create-home medreg \
 && install -d -o medreg -g medreg /var/lib/medreg/sms /var/lib/medreg/beat
USER medreg
WORKDIR /var/lib/medreg

EXPOSE 6543
CMD ["medreg", "serve", "--host", "0.0.0.0", "--port", "6543"]
