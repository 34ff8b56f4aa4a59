export const SIMULATE_HELP = `npm run simulate -- [options]

A fleet of per-lane traffic detectors on the road network (default: Bình Dương), publishing
telemetry over MQTT at QoS 1, deterministic from --seed. Demand follows a weekday profile with
morning and evening peaks, speeds a fundamental diagram, so congestion shows as the contract's LOS.

Connection
  --url URL                 broker (default mqtt://127.0.0.1:1883)
  --client-prefix P         MQTT client id = P + gateway/sensor id (default "sim-")
  --window N                most messages awaiting PUBACK at once (default 500)

Fleet
  --scenario NAME|FILE      morning-peak, incident-ql13, sensor-storm, or a JSON file (options override it)
  --sensors N               number of per-lane detectors (default 200)
  --seed N                  same seed, same readings (default 1)
  --interval S              every detector reports every S simulated seconds (default 60)
  --segments P,P            segments with detectors, * as wildcard (default all)
  --demand-scale X          multiplies the demand profile (default 1)
  --mix-urban C=S,…         vehicle shares on urban roads, e.g. motorbike=0.8,car=0.15,truck=0.05
  --mix-highway C=S,…       the same on highways
  --gateway-share X         share of roadside cabinets that batch their detectors (default 0.7)
  --stations-per-gateway N  stations (one detector per lane) per cabinet (default 1)
  --incident SEG:LANES:START:DURATION[:METRES]  block lanes 1..LANES of SEG from START after the
                            simulated start, METRES along the segment (default a third of its length):
                            the queue stands in every lane upstream of it, the closed lanes are almost
                            empty at the stations downstream; e.g. ql13-nb-04:1:10m:45m (repeatable)
  --faults K=R,…            share of readings with a fault: dropout, stuck, duplicate, outOfOrder,
                            clockSkew, malformed (exact per 1000 readings)
  --skew S                  clock skew of skewed readings in seconds (default 917)
  --sensor-faults K=N,…     N whole detectors with a lasting fault, each showing as one health state:
                            stuck (→ stuck), dropout (every 4th reading lost → gappy), duplicate
                            (every 5th sent twice → duplicating), implausible (5,000 pcu/h more
                            than it sees → implausible), silent (stops halfway → stale), offline (says
                            offline halfway and stops → offline); the summary lists their ids
  --stay-online             end without saying "offline" on the status topics

Time
  (default)                 real time from now
  --speedup X               X simulated seconds per second; without --start, the run starts in the past
                            so that it catches up with the clock at its end (a day back when open-ended);
                            readings never go out before their ts unless --allow-future
  --start T                 simulated start: now, -2h, now-30m or ISO 8601
  --duration D | --until T  stop by itself (90s, 20m, 4h, 1d); otherwise Ctrl-C stops it
  --backfill FROM..TO       the period as fast as the broker acknowledges, e.g. --backfill -20m..now
  --max-age D               the pipeline's ROADPULSE_MAX_READING_AGE_S (default 7d): older readings are rejected
  --max-future D            the pipeline's ROADPULSE_MAX_FUTURE_S (default 5m)

Output
  a progress line on stderr; a summary on stdout at the end (--json for JSON); --quiet: no progress
  Exit code 1 if a message was not acknowledged.
`;
