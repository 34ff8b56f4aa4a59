#!/bin/bash
# Run by the influxdb:2.7 image's entrypoint (run-parts: this file must stay executable) once, when it
# initialises an empty volume (DOCKER_INFLUXDB_INIT_MODE=setup): after the org, the bucket and the
# admin token exist, while influxd still listens on its temporary init port only. The entrypoint has
# exported INFLUX_HOST and the CLI config (with the admin token) and DOCKER_INFLUXDB_INIT_BUCKET_ID.
#
# roadpulse talks to InfluxDB through the v1-compatible endpoints (/write?db=… and /query, InfluxQL;
# shared/adapters/influx-http.ts), the HTTP surface 1.x, 2.x and 3.x all serve. On 2.x those resolve
# a database name to a bucket through a DBRP mapping: this maps database $INFLUXDB_DBRP_DATABASE,
# retention policy "autogen" (the default one, so requests without rp= find it) to the initial bucket.
set -euo pipefail

db="${INFLUXDB_DBRP_DATABASE:?INFLUXDB_DBRP_DATABASE is not set (docker-compose.yml, service influxdb)}"
rp="${INFLUXDB_DBRP_RETENTION_POLICY:-autogen}"
org="${DOCKER_INFLUXDB_INIT_ORG:?}"
bucket="${DOCKER_INFLUXDB_INIT_BUCKET:?}"
bucket_id="${DOCKER_INFLUXDB_INIT_BUCKET_ID:?the entrypoint did not export DOCKER_INFLUXDB_INIT_BUCKET_ID}"

echo "roadpulse: mapping InfluxQL database '${db}' (rp '${rp}', default) to bucket '${bucket}' (${bucket_id})"
influx v1 dbrp create --org "${org}" --db "${db}" --rp "${rp}" --bucket-id "${bucket_id}" --default
influx v1 dbrp list --org "${org}" --db "${db}"
