#ifndef PRO380_CMOSQUITTO_SHIM_H
#define PRO380_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <sys/syscall.h>
#include <unistd.h>

/// The kernel thread ID of the calling thread (gettid(2)); glibc only declares gettid under _GNU_SOURCE.
/// MQTT records the network thread's ID with it so tests can check the thread is gone after shutdown.
static inline int pro380_gettid(void) {
    return (int)syscall(SYS_gettid);
}
#endif
