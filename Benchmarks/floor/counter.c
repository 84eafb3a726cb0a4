/*
 * counter: the subscriber of `pro380-mqtt bench`, which counts what really arrives at the broker's other side.
 *
 * Subscribes to `#` (MQTT 5, the given QoS) on a private broker and counts every message, and the readings among
 * them (payloads beginning `{"value": `). Prints `ready` once subscribed; on SIGUSR1 prints
 * `count MESSAGES VALUES` (the orchestrator samples it at the start and end of a measuring window); on SIGTERM or
 * SIGINT prints `final MESSAGES VALUES DROPPED EXPECTED` and exits: DROPPED is the `dropped_messages` of the last
 * bridge diagnostics seen (-1 when none came). EXPECTED is the readings that must have been published: every poll
 * of a meter publishes each of its topics once, so each topic of a meter must arrive as often as that meter's most
 * frequent topic; a reading lost anywhere (publisher queue, socket, broker) leaves its topic short. (The broker's
 * `$SYS/broker/publish/messages/received` cannot serve: mosquitto 2.0 does not count retained messages there.)
 * With --dump it then prints `topic TOPIC PAYLOAD` for each reading topic's last payload (the payload check).
 */
#include <mosquitto.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stopping, sampling;
static atomic_long messages, readings, dropped = -1;

/* Reading counts per topic (open addressing; only the network thread writes, the main thread reads at the end). */
#define SLOTS 65536
static struct { char *topic; long count; char *last; } slots[SLOTS];
static int dump;

static void count_topic(const char *topic, const char *payload, int length) {
    unsigned long hash = 5381;
    for (const char *c = topic; *c; c++) hash = hash * 33 + (unsigned char)*c;
    for (unsigned long i = hash % SLOTS;; i = (i + 1) % SLOTS) {
        if (!slots[i].topic) slots[i].topic = strdup(topic);
        if (!strcmp(slots[i].topic, topic)) {
            slots[i].count++;
            if (dump) {
                free(slots[i].last);
                slots[i].last = strndup(payload, length);
            }
            return;
        }
    }
}

/* The readings every meter's topics should have arrived: per meter (topic up to its last '/'), its most frequent
 * topic's count for each of its topics; a topic seen once is taken as one read once (the bridge's identity group,
 * read hourly). */
static long expected_readings(void) {
    static int filled[SLOTS];
    int n = 0;
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].topic) filled[n++] = i;
    long total = 0;
    for (int a = 0; a < n; a++) {
        const char *topic = slots[filled[a]].topic;
        const char *slash = strrchr(topic, '/');
        size_t prefix = slash ? (size_t)(slash - topic) + 1 : 0;
        long most = 0;
        for (int b = 0; b < n; b++) {
            const char *other = slots[filled[b]].topic;
            if (strncmp(other, topic, prefix) == 0 && !strchr(other + prefix, '/') && slots[filled[b]].count > most)
                most = slots[filled[b]].count;
        }
        total += slots[filled[a]].count == 1 ? 1 : most;
    }
    return total;
}
static atomic_int subscribed;

static void on_signal(int sig) {
    if (sig == SIGUSR1) sampling = 1;
    else stopping = 1;
}

static void on_connect(struct mosquitto *m, void *qos, int rc) {
    if (rc != 0) return;
    mosquitto_subscribe(m, NULL, "#", *(int *)qos);
}

static void on_subscribe(struct mosquitto *m, void *u, int mid, int count, const int *granted) {
    (void)m; (void)u; (void)mid; (void)count; (void)granted;
    subscribed++;
}

static void on_message(struct mosquitto *m, void *u, const struct mosquitto_message *message) {
    (void)m; (void)u;
    const char *payload = message->payload;
    messages++;
    if (message->payloadlen >= 10 && memcmp(payload, "{\"value\": ", 10) == 0) {
        readings++;
        count_topic(message->topic, payload, message->payloadlen);
        return;
    }
    size_t length = strlen(message->topic);
    if (length > 12 && strcmp(message->topic + length - 12, "/diagnostics") == 0 && message->payloadlen > 0) {
        char text[4096];
        int n = message->payloadlen < (int)sizeof text - 1 ? message->payloadlen : (int)sizeof text - 1;
        memcpy(text, payload, n);
        text[n] = 0;
        const char *field = strstr(text, "\"dropped_messages\": ");
        if (field) dropped = atol(field + 20);
    }
}

int main(int argc, char **argv) {
    int port = 0, qos = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--broker-port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--qos")) qos = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--dump")) dump = atoi(argv[i + 1]);
    }
    if (port <= 0) { fprintf(stderr, "usage: counter --broker-port P [--qos 0|1] [--dump 1]\n"); return 2; }
    /* A parent that handles signals itself may pass them on blocked: unblock every signal first. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction action = {0};
    action.sa_handler = on_signal;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGUSR1, &action, NULL);
    mosquitto_lib_init();
    struct mosquitto *mosq = mosquitto_new("pro380-bench-counter", true, &qos);
    mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_message_callback_set(mosq, on_message);
    if (mosquitto_connect(mosq, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS || mosquitto_loop_start(mosq)) {
        fprintf(stderr, "counter: cannot connect to the broker on port %d\n", port);
        return 2;
    }
    while (!subscribed && !stopping) usleep(1000);
    printf("ready\n");
    fflush(stdout);
    while (!stopping) {
        if (sampling) {
            sampling = 0;
            printf("count %ld %ld\n", (long)messages, (long)readings);
            fflush(stdout);
        }
        usleep(1000);
    }
    mosquitto_disconnect(mosq);
    mosquitto_loop_stop(mosq, false);
    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    for (int i = 0; dump && i < SLOTS; i++)
        if (slots[i].topic && slots[i].last) printf("topic %s %s\n", slots[i].topic, slots[i].last);
    printf("final %ld %ld %ld %ld\n", (long)messages, (long)readings, (long)dropped, expected_readings());
    fflush(stdout);
    return 0;
}
