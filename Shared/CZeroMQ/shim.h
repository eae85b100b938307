#ifndef MENTOR_CLAIMS_CZEROMQ_SHIM_H
#define MENTOR_CLAIMS_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
