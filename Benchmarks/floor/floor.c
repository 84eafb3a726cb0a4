/*
 * floor: the C floor of `pro380-mqtt bench`, the least a PRO380-to-MQTT bridge can spend per published value.
 *
 * For each of --meters meters (one Modbus TCP connection each, to the --modbus-ports in turn, like one gateway per
 * meter) it reads the blocks of
 * the plan file with function 03 (libmodbus), decodes every Float ABCD value of the plan and publishes it retained
 * to <base>/<meter>/<key> with the bridge's payload, {"value": 231.25, "unit": "V", "time": "...Z"} (libmosquitto,
 * MQTT 5 like the bridge's default), every --interval-ms (0: flat out). Values are printed the way the bridge
 * prints them: the shortest decimal that reads back to the IEEE single, scaled by a power of ten exactly (kW to W),
 * in plain notation. The plan file (written by `pro380-mqtt bench` from the register table, so no address is
 * written twice) has lines `block START COUNT` and `value BLOCK OFFSET KEY UNIT|- POWER_OF_TEN`.
 *
 * Like the bridge's bounded queue, it never runs ahead of the broker: before the next meter's reads it waits until at
 * most one poll of values is unacknowledged (QoS 1 PUBACK, or handed to the socket at QoS 0).
 *
 * Runs until SIGTERM or SIGINT, then prints one JSON line: published, acknowledged (QoS 1 PUBACKs, or the
 * messages handed to the socket at QoS 0), cycles, failed reads.
 */
#include <errno.h>
#include <math.h>
#include <modbus/modbus.h>
#include <mosquitto.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_BLOCKS 8
#define MAX_VALUES 128
#define MAX_METERS 256

typedef struct {
    int start, count;
} block_t;

typedef struct {
    int block, offset, power;
    char key[64], unit[16];
} value_t;

static block_t blocks[MAX_BLOCKS];
static value_t values[MAX_VALUES];
static int block_count, value_count;
static volatile sig_atomic_t stopping;
static long acknowledged;
static atomic_int connected;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t progress = PTHREAD_COND_INITIALIZER;

static void on_signal(int sig) { (void)sig; stopping = 1; }
static void on_connect(struct mosquitto *m, void *u, int rc) { (void)m; (void)u; if (rc == 0) connected = 1; }
static void on_publish(struct mosquitto *m, void *u, int mid) {
    (void)m; (void)u; (void)mid;
    pthread_mutex_lock(&lock);
    acknowledged++;
    pthread_cond_signal(&progress);
    pthread_mutex_unlock(&lock);
}

/* Waits (up to 1 s at a time, so a signal is noticed) until at most `pending` messages are unacknowledged. */
static void wait_for_broker(long published, long pending) {
    pthread_mutex_lock(&lock);
    while (!stopping && published - acknowledged > pending) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&progress, &lock, &until);
    }
    pthread_mutex_unlock(&lock);
}

static void fail(const char *what) {
    fprintf(stderr, "floor: %s\n", what);
    exit(2);
}

static void load_plan(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) fail("cannot open the plan file");
    char line[256];
    while (fgets(line, sizeof line, f)) {
        block_t b;
        value_t v;
        if (sscanf(line, "block %i %i", &b.start, &b.count) == 2 && block_count < MAX_BLOCKS) {
            blocks[block_count++] = b;
        } else if (sscanf(line, "value %d %d %63s %15s %d", &v.block, &v.offset, v.key, v.unit, &v.power) == 5 &&
                   value_count < MAX_VALUES) {
            if (strcmp(v.unit, "-") == 0) v.unit[0] = 0;
            values[value_count++] = v;
        }
    }
    fclose(f);
    if (block_count == 0 || value_count == 0) fail("the plan file has no block or no value");
}

/* The shortest decimal that reads back to f, times 10^power, in plain notation (no exponent): 49.98, 1012.5. */
static void format_value(float f, int power, char *out, size_t size) {
    char sci[32];
    for (int precision = 1; precision <= 9; precision++) {
        snprintf(sci, sizeof sci, "%.*e", precision - 1, (double)f);
        if (strtof(sci, NULL) == f) break;
    }
    const char *p = sci;
    int negative = (*p == '-');
    if (negative) p++;
    char digits[16];
    int n = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[n++] = *p;
    int exponent = atoi(p + 1) + power;
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = 0;
    if (n == 1 && digits[0] == '0') { snprintf(out, size, "0"); return; }
    char *o = out;
    char *end = out + size - 1;
    if (negative && o < end) *o++ = '-';
    int point = exponent + 1; /* digits before the decimal point */
    if (point <= 0) {
        for (const char *s = "0."; *s && o < end; s++) *o++ = *s;
        for (int i = 0; i < -point && o < end; i++) *o++ = '0';
        for (int i = 0; i < n && o < end; i++) *o++ = digits[i];
    } else {
        for (int i = 0; i < point && o < end; i++) *o++ = i < n ? digits[i] : '0';
        if (point < n && o < end) {
            *o++ = '.';
            for (int i = point; i < n && o < end; i++) *o++ = digits[i];
        }
    }
    *o = 0;
}

/* RFC 3339 UTC with milliseconds, like the bridge's Timestamp.rfc3339. */
static void format_time(const struct timespec *t, char *out, size_t size) {
    struct tm parts;
    time_t seconds = t->tv_sec;
    gmtime_r(&seconds, &parts);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", parts.tm_year + 1900, parts.tm_mon + 1,
             parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, t->tv_nsec / 1000000);
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    const char *plan = NULL, *host = "127.0.0.1", *base = "bench";
    int ports[MAX_METERS], port_count = 0, broker_port = 0, meters = 1, qos = 0, interval_ms = 100;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--plan")) plan = argv[i + 1];
        else if (!strcmp(argv[i], "--modbus-ports")) {
            for (char *p = argv[i + 1]; *p && port_count < MAX_METERS; p = strchr(p, ',') ? strchr(p, ',') + 1 : "")
                ports[port_count++] = atoi(p);
        }
        else if (!strcmp(argv[i], "--broker-port")) broker_port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--meters")) meters = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--qos")) qos = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--interval-ms")) interval_ms = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--base")) base = argv[i + 1];
        else fail("usage: floor --plan FILE --modbus-ports P[,P...] --broker-port P [--meters N] [--qos 0|1] "
                  "[--interval-ms MS] [--base TOPIC]");
    }
    if (!plan || port_count == 0 || broker_port <= 0 || meters < 1 || meters > MAX_METERS) fail("bad arguments");
    load_plan(plan);
    /* A parent that handles signals itself may pass them on blocked: unblock every signal first. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    modbus_t *links[MAX_METERS];
    for (int m = 0; m < meters; m++) {
        links[m] = modbus_new_tcp(host, ports[m % port_count]);
        if (!links[m] || modbus_connect(links[m]) != 0) fail("cannot connect to the Modbus server");
        modbus_set_slave(links[m], 1);
    }

    mosquitto_lib_init();
    struct mosquitto *mosq = mosquitto_new("pro380-floor", true, NULL);
    if (!mosq) fail("mosquitto_new failed");
    mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_publish_callback_set(mosq, on_publish);
    if (mosquitto_connect(mosq, host, broker_port, 30) != MOSQ_ERR_SUCCESS) fail("cannot connect to the broker");
    if (mosquitto_loop_start(mosq) != MOSQ_ERR_SUCCESS) fail("mosquitto_loop_start failed");
    while (!connected && !stopping) usleep(1000);

    uint16_t registers[MAX_BLOCKS][125];
    struct timespec arrived[MAX_BLOCKS];
    char topic[256], payload[256], number[64], stamp[96];
    long published = 0, cycles = 0, failed = 0;
    double next = now_ms();
    while (!stopping) {
        for (int m = 0; m < meters && !stopping; m++) {
            wait_for_broker(published, value_count);
            int ok[MAX_BLOCKS];
            for (int b = 0; b < block_count; b++) {
                ok[b] = modbus_read_registers(links[m], blocks[b].start, blocks[b].count, registers[b]) ==
                        blocks[b].count;
                if (!ok[b]) failed++;
                clock_gettime(CLOCK_REALTIME, &arrived[b]);
            }
            for (int v = 0; v < value_count; v++) {
                const value_t *d = &values[v];
                if (!ok[d->block]) continue;
                uint32_t bits = (uint32_t)registers[d->block][d->offset] << 16 | registers[d->block][d->offset + 1];
                float f;
                memcpy(&f, &bits, sizeof f);
                if (!isfinite(f)) continue;
                format_value(f, d->power, number, sizeof number);
                format_time(&arrived[d->block], stamp, sizeof stamp);
                snprintf(topic, sizeof topic, "%s/m%d/%s", base, m + 1, d->key);
                int length;
                if (d->unit[0])
                    length = snprintf(payload, sizeof payload, "{\"value\": %s, \"unit\": \"%s\", \"time\": \"%s\"}",
                                      number, d->unit, stamp);
                else
                    length = snprintf(payload, sizeof payload, "{\"value\": %s, \"unit\": null, \"time\": \"%s\"}",
                                      number, stamp);
                if (mosquitto_publish(mosq, NULL, topic, length, payload, qos, true) == MOSQ_ERR_SUCCESS) published++;
            }
        }
        cycles++;
        if (interval_ms > 0) {
            next += interval_ms;
            double now = now_ms();
            if (next <= now) next = now + interval_ms;
            while (!stopping && now_ms() < next) {
                double wait = next - now_ms();
                if (wait > 0) usleep((useconds_t)(wait * 1000));
            }
        }
    }
    /* Give the network thread a moment to send what is queued and collect the last acknowledgements. */
    for (int i = 0; i < 200 && acknowledged < published; i++) usleep(10000);
    mosquitto_disconnect(mosq);
    mosquitto_loop_stop(mosq, false);
    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    for (int m = 0; m < meters; m++) { modbus_close(links[m]); modbus_free(links[m]); }
    printf("{\"published\": %ld, \"acknowledged\": %ld, \"cycles\": %ld, \"failed_reads\": %ld}\n", published,
           acknowledged, cycles, failed);
    return 0;
}
