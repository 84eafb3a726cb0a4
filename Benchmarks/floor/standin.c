/*
 * standin: an independent PRO380 stand-in for `pro380-mqtt bench`, a Modbus TCP server built on libmodbus.
 *
 * It answers function 03 from a fixed register image (file lines `ADDRESS VALUE`, hex, written by
 * `pro380-mqtt bench` from the simulator's model, so the values are a PRO380's and no address is written here),
 * for any unit id and on any number of connections at once (one select loop, like the libmodbus examples). Holding
 * registers from 0x4000 to 0x604A are mapped; the areas' gaps read as 0 (neither the bridge nor the floor reads
 * them). Being C and never changing its values, it costs little CPU, so the bridge and the floor are measured
 * against a server that takes the least from the shared cores, and neither is measured against its own code.
 *
 * With --listeners N it listens on N free ports (a gateway per meter: the bridge keeps one bus per host:port).
 * Prints `listening PORT...` once bound, serves until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define FIRST 0x4000
#define COUNT (0x604B - FIRST)

static volatile sig_atomic_t stopping;
static void on_signal(int sig) { (void)sig; stopping = 1; }

int main(int argc, char **argv) {
    const char *image = NULL;
    int listeners = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--image")) image = argv[i + 1];
        else if (!strcmp(argv[i], "--listeners")) listeners = atoi(argv[i + 1]);
    }
    if (!image || listeners < 1 || listeners > 256) {
        fprintf(stderr, "usage: standin --image FILE [--listeners N]\n");
        return 2;
    }
    modbus_mapping_t *map = modbus_mapping_new_start_address(0, 0, 0, 0, FIRST, COUNT, 0, 0);
    FILE *f = fopen(image, "r");
    if (!map || !f) { fprintf(stderr, "standin: cannot load %s\n", image); return 2; }
    unsigned address, value;
    while (fscanf(f, "%x %x", &address, &value) == 2)
        if (address >= FIRST && address < FIRST + COUNT) map->tab_registers[address - FIRST] = (uint16_t)value;
    fclose(f);

    modbus_t *ctx = modbus_new_tcp("127.0.0.1", 0);
    int servers[256];
    fd_set all;
    FD_ZERO(&all);
    int highest = 0;
    printf("listening");
    for (int n = 0; n < listeners; n++) {
        servers[n] = modbus_tcp_listen(ctx, 64);
        if (servers[n] < 0) { fprintf(stderr, "standin: cannot listen: %s\n", modbus_strerror(errno)); return 2; }
        struct sockaddr_in bound;
        socklen_t length = sizeof bound;
        getsockname(servers[n], (struct sockaddr *)&bound, &length);
        printf(" %d", ntohs(bound.sin_port));
        FD_SET(servers[n], &all);
        if (servers[n] > highest) highest = servers[n];
    }
    printf("\n");
    fflush(stdout);
    /* A parent that handles signals itself may pass them on blocked: unblock every signal first. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction action = {0};
    action.sa_handler = on_signal; /* no SA_RESTART: select returns EINTR */
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);

    uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    while (!stopping) {
        fd_set ready = all;
        if (select(highest + 1, &ready, NULL, NULL, NULL) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int fd = 0; fd <= highest; fd++) {
            if (!FD_ISSET(fd, &ready)) continue;
            int listening = 0;
            for (int n = 0; n < listeners; n++) listening |= fd == servers[n];
            if (listening) {
                int client = accept(fd, NULL, NULL);
                if (client >= 0) {
                    FD_SET(client, &all);
                    if (client > highest) highest = client;
                }
                continue;
            }
            modbus_set_socket(ctx, fd);
            int received = modbus_receive(ctx, query);
            if (received > 0) {
                modbus_reply(ctx, query, received, map);
            } else if (received == -1) {
                close(fd);
                FD_CLR(fd, &all);
            }
        }
    }
    for (int n = 0; n < listeners; n++) close(servers[n]);
    modbus_free(ctx);
    modbus_mapping_free(map);
    return 0;
}
