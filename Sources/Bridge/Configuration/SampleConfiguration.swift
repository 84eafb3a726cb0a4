/// The annotated sample config: every key, its type and default. `pro380-mqtt check-config --sample` prints it,
/// `config/example.yaml` is this text (a test keeps them equal), and a test decodes it.
package enum SampleConfiguration {
    package static let yaml = """
        # pro380-mqtt configuration. Durations are written with their unit: 500ms, 10s, 5m, 1h.
        # Check a file with: pro380-mqtt check-config FILE (every problem with its line and key)
        mqtt:
          host: 127.0.0.1          # broker host (default 127.0.0.1)
          port: 1883               # default 1883 (8883 is usual with tls)
          client_id: pro380-mqtt   # default pro380-mqtt; each bridge instance on one broker needs its own
          base_topic: pro380       # default pro380: readings go to pro380/<meter>/<key>
          version: 5               # 5 (default) or 3 (MQTT 3.1.1)
          qos: 1                   # QoS of readings, 0 or 1 (default 1)
          keepalive: 30s           # default 30s
          connect_timeout: 10s     # default 10s: an attempt without CONNACK by then is dropped, logged and retried
          # username: bridge                             # optional
          # password_file: /etc/pro380-mqtt/password     # optional; else the PRO380_MQTT_PASSWORD environment variable
          # tls: {ca_file: /etc/pro380-mqtt/ca.pem, cert_file: client.pem, key_file: client.key, insecure: false}
          # (files must exist; relative paths are relative to this file's folder)
        diagnostics_interval: 60s  # default 60s: <base>/<meter>/diagnostics and <base>/bridge/<client_id>/diagnostics
        command_max_age: 30s       # a command whose JSON "time" is older is refused (default 30s)
        log_level: info            # trace, debug, info (default), notice, warning, error, critical; --log-level wins
        outbox:                    # readings wait here (on disk) until the broker acknowledged them (docs/outbox.md)
          enabled: true            # default true; false keeps them in memory only (lost at a restart)
          # path: /var/lib/pro380-mqtt/outbox-pro380-mqtt.sqlite   # default <state folder>/outbox-<client_id>.sqlite:
          #                        # the service's $STATE_DIRECTORY (/var/lib/pro380-mqtt), else $XDG_STATE_HOME/pro380-mqtt,
          #                        # else ~/.local/state/pro380-mqtt; a relative path is relative to this file's folder.
          #                        # The file is the client id's: a config reusing one sends what the last left unsent
          max_bytes: 256MiB        # the oldest readings are dropped (and counted) beyond this (default 256MiB; 16MiB in memory)
          max_age: 720h            # ... or when older than this (default 720h, 30 days)
          replay_rate: 100         # backlog messages per second after an outage; live readings are not paced (default 100)
          sync: full               # full: fsync at every commit (default); normal: at checkpoints (less flash wear)
          write_ahead: false       # false (default): QoS 1 readings the broker acknowledges within 1 s are never written;
          #                        # true: each is stored before it is sent (a crash in that second loses none; a write a poll)
        homeassistant:             # Home Assistant MQTT discovery (README "Home Assistant")
          enabled: true            # default true; false clears the discovery configs this bridge published
          prefix: homeassistant    # Home Assistant's discovery prefix (default homeassistant); birth on <prefix>/status
          min_version: "2024.1"    # oldest Home Assistant release to support (default 2024.1); 2025.6+ adds reactive_energy
          device_based: false      # one <prefix>/device/<id>/config per meter (default false; needs min_version 2024.11+)
        buses:
          - name: basement         # unique
            modbus_rtu: {device: /dev/ttyUSB0, baud: 9600, parity: even, stop_bits: 1}   # defaults 9600 8E1
            # device: prefer the stable /dev/serial/by-id/usb-... name; baud: 300, 600, 1200, 2400, 4800 or 9600
            timeout: 500ms         # reply timeout (default 500ms on serial, 1s over TCP)
            request_gap: 0ms       # extra silence before every request, for slow meters (default 0)
            echo: false            # the RS485 adapter echoes what it sends (default false)
            meters:
              - name: main         # unique over the file: the topic level pro380/main/...
                address: 1         # Modbus unit id 1..247
                interval: 10s      # default 10s for the instantaneous and energy groups; identity hourly
              - name: kitchen
                address: 2
                groups: {instantaneous: 5s, energy: 30s, identity: 1h}   # per-group intervals
                max_registers: 125 # largest read the meter accepts (default 125)
                offline_after: 3   # failed polls in a row before availability goes offline (default 3)
                allow_commands: [tariff]   # keys MQTT commands may write (default [tariff])
          - name: gateway
            modbus_tcp: {host: 127.0.0.1, port: 502}    # or modbus_rtu_over_tcp: {host, port} for a transparent gateway
            meters:
              - {name: pv, address: 3, interval: 5s, max_registers: 60}
          - name: mbus             # PRO380-Mb meters on an M-Bus level converter (2400 8E1 by default)
            mbus_serial: {device: /dev/ttyUSB1, baud: 2400}    # or mbus_tcp: {host, port} for a TCP gateway
            timeout: 1s            # reply timeout (default 1s)
            request_gap: 0ms       # pause after a secondary-address selection, for gateways (default 0)
            meters:
              - {name: flat-1, address: 5}                     # primary address 0..250 (254 for a lone meter)
              - {name: flat-2, secondary_address: "13070042"}  # or the 8-digit secondary address
          - name: optical          # IEC 62056-21 mode C readout through an optical head (read-only)
            iec62056: {device: /dev/ttyUSB2, baud: 300, mode: C, fixed_speed: false}   # or {host, port} (fixed speed)
            timeout: 1500ms        # default 1500ms
            meters:
              - {name: flat-3, device_address: "13070043", interval: 30s}   # device_address optional
          - name: wallbox          # a line another master (a wallbox, a load balancer) already polls: listen only
            modbus_rtu_listen: {device: /dev/ttyUSB3, baud: 9600, parity: even}   # never transmits; defaults 9600 8E1
            meters:                # publishes, at each interval, the newest values the master read; no commands
              - {name: charger, address: 1, interval: 10s}
        """
}
