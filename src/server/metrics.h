// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Prometheus metrics over HTTP: `GET /metrics` answered on the client port (a connection whose
// first line is an HTTP request line) and on `metrics-port` when set. Metric names and labels
// follow the widely used redis_exporter, so its Grafana dashboards work unchanged: the values are
// the INFO fields they are derived from, read in one INFO pass.
#pragma once

#include <string>
#include <string_view>

#include "protocol/http.h"

namespace carmine {

class Server;

// The text exposition format (version 0.0.4) of every metric.
std::string PrometheusText(Server& s);

// What an HTTP request's head (request line and headers, through the blank line) is answered
// with: a complete HTTP/1.1 response. The connection is closed after it.
std::string HttpResponse(Server& s, std::string_view head);

}  // namespace carmine
