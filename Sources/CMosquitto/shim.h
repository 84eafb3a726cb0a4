#ifndef PRO380_CMOSQUITTO_SHIM_H
#define PRO380_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/// The kernel thread ID of the calling thread (gettid(2)); glibc only declares gettid under _GNU_SOURCE.
/// MQTT records the network thread's ID with it so tests can check the thread is gone after shutdown.
static inline int pro380_gettid(void) {
    return (int)syscall(SYS_gettid);
}

/// Names the calling thread (prctl PR_SET_NAME, at most 15 bytes); glibc only declares pthread_setname_np under
/// _GNU_SOURCE. The name shows in /proc, gdb and top.
static inline void pro380_set_thread_name(const char *name) {
    prctl(PR_SET_NAME, name, 0, 0, 0);
}

/// The X.509 verification result (`X509_V_OK`, `X509_V_ERR_...`) of the client's last TLS handshake, or -1 when the
/// client has no TLS session. libmosquitto keeps the `SSL` object after a failed handshake (it only closes the
/// socket), so this tells why the broker's certificate was refused. mosquitto.h (mosquitto_ssl_get): "Retrieve a
/// pointer to the SSL structure used for TLS connections in this client. This can be used in e.g. the connect
/// callback to carry out additional verification steps."
static inline long pro380_tls_verify_result(struct mosquitto *mosq) {
    SSL *ssl = (SSL *)mosquitto_ssl_get(mosq);
    return ssl ? SSL_get_verify_result(ssl) : -1;
}

/// OpenSSL's text for a verification result (`X509_verify_cert_error_string`).
static inline const char *pro380_tls_verify_text(long result) {
    return X509_verify_cert_error_string(result);
}
#endif
