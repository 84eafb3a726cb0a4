#ifndef PRO380_CMOSQUITTO_SHIM_H
#define PRO380_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
