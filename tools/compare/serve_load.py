#!/usr/bin/env python3
"""Load benchmark of `evsnn serve`, with a client written from docs/protocol.md alone (socket + struct).
It deliberately does not use evsnn.stream (the module's client): it is the independent check of that page.

Measures, on loopback:
  1. throughput (client timestamps): the 700-256-256-20 feed-forward benchmark network with its input made
     external, driven by Poisson input events for --seconds of simulated time; input events/s and spikes/s end
     to end (first byte sent to bye_ok), against `evsnn run` replaying the same events from a CSV (whole
     process), and whether the spikes are the same;
  2. latency (paced, factor 1): a relay network (each input event makes one neuron spike at once); one event
     every 2 ms as events_now; the wall time from sending it to receiving the relay spike: median, p99, max;
  3. memory under a flooding client that never reads (client timestamps): the server's peak RSS.

    python3 tools/compare/serve_load.py --evsnn build/evsnn [--seconds 20] [--json out.json]
"""
import argparse
import json
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HELLO, EVENTS, EVENTS_NOW, ADVANCE, BYE = 0x01, 0x02, 0x03, 0x04, 0x09
HELLO_OK, SPIKES, ADVANCED, BYE_OK, ERROR = 0x81, 0x82, 0x84, 0x89, 0xFF


def frame(t, payload=b""):
    return struct.pack("<IB", len(payload) + 1, t) + payload


def events_frame(evs):
    return frame(EVENTS, struct.pack("<I", len(evs)) + b"".join(struct.pack("<dIf", t, c, 1.0) for t, c in evs))


class Reader(threading.Thread):
    """Reads frames; counts spikes; keeps per-population spike arrival wall times when asked."""

    def __init__(self, sock, watch_population=None):
        super().__init__(daemon=True)
        self.sock, self.watch = sock, watch_population
        self.spikes, self.arrivals, self.hello, self.bye, self.error = 0, [], None, None, None
        self.spike_rows = []
        self.keep_rows = False
        self.hello_event = threading.Event()

    def run(self):
        buf = b""
        while True:
            data = self.sock.recv(1 << 20)
            if not data:
                break
            buf += data
            while len(buf) >= 4:
                (n,) = struct.unpack_from("<I", buf)
                if len(buf) < 4 + n:
                    break
                t, payload = buf[4], buf[5:4 + n]
                buf = buf[4 + n:]
                if t == HELLO_OK:
                    self.hello = json.loads(payload[2:])
                    self.hello_event.set()
                elif t == SPIKES:
                    (count,) = struct.unpack_from("<I", payload)
                    self.spikes += count
                    now = time.perf_counter()
                    if self.watch is not None or self.keep_rows:
                        for k in range(count):
                            tm, pop, neuron = struct.unpack_from("<dII", payload, 4 + 16 * k)
                            if self.keep_rows:
                                self.spike_rows.append((tm, pop, neuron))
                            if pop == self.watch:
                                self.arrivals.append(now)
                elif t == BYE_OK:
                    self.bye = json.loads(payload)
                    return
                elif t == ERROR:
                    self.error = payload[2:].decode()
                    self.hello_event.set()
                    return


def start_server(evsnn, net, extra=()):
    p = subprocess.Popen([evsnn, "serve", net, "--port", "0", "--quiet", *extra], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    port = int(line.split("127.0.0.1:")[1].split()[0])
    return p, port


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def connect(port, mode=0, factor=1.0, watch=None, keep_rows=False):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    r = Reader(s, watch)
    r.keep_rows = keep_rows
    r.start()
    s.sendall(frame(HELLO, struct.pack("<HBd", 1, mode, factor)))
    r.hello_event.wait(10)
    if r.error:
        sys.exit(f"server error: {r.error}")
    return s, r


def throughput(evsnn, tmp, seconds, rate_hz):
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "ff_poisson.json")) as f:
        net = json.load(f)
    n_in = net["populations"][0]["size"]
    rng = random.Random(1)
    evs = []
    for c in range(n_in):
        t = rng.expovariate(rate_hz * 1e-3)
        while t < seconds * 1e3:
            evs.append((t, c))
            t += rng.expovariate(rate_hz * 1e-3)
    evs.sort()
    with open(os.path.join(tmp, "in.csv"), "w") as f:
        f.write("".join(f"{t!r},{c}\n" for t, c in evs))
    net["duration_ms"] = seconds * 1e3
    net["populations"][0]["params"] = {"spikes_csv": os.path.join(tmp, "in.csv")}
    json.dump(net, open(os.path.join(tmp, "run.json"), "w"))
    net["populations"][0]["params"] = {"external": True}
    json.dump(net, open(os.path.join(tmp, "served.json"), "w"))
    t0 = time.perf_counter()
    subprocess.run([evsnn, "run", os.path.join(tmp, "run.json"), "--out", os.path.join(tmp, "run")], check=True,
                   stdout=subprocess.DEVNULL)
    run_s = time.perf_counter() - t0
    with open(os.path.join(tmp, "run", "spikes.csv")) as f:
        run_spikes = sum(1 for _ in f) - 1
    server, port = start_server(evsnn, os.path.join(tmp, "served.json"))
    frames = [events_frame(evs[k:k + 65535]) for k in range(0, len(evs), 65535)]
    t0 = time.perf_counter()
    s, r = connect(port)
    for fr in frames:
        s.sendall(fr)
    s.sendall(frame(ADVANCE, struct.pack("<d", seconds * 1e3)) + frame(BYE))
    r.join(600)
    wall = time.perf_counter() - t0
    s.close()
    server.terminate()
    server.wait()
    return {"input_events": len(evs), "spikes": r.spikes, "run_spikes": run_spikes, "same_count": r.spikes == run_spikes,
            "serve_s": wall, "run_whole_process_s": run_s, "input_events_per_s": len(evs) / wall,
            "spikes_per_s": r.spikes / wall, "simulated_s": seconds}


def latency(evsnn, tmp, count):
    relay = {"format": "evsnn-network/1", "populations": [
        {"name": "in", "model": "spike_source", "size": 1, "params": {"external": True}},
        {"name": "relay", "model": "lif_delta", "size": 1, "params": {"tau_mem_ms": 10, "reset": "zero"}}],
        "projections": [{"pre": "in", "post": "relay", "weights": [[2.0]]}]}
    path = os.path.join(tmp, "relay.json")
    json.dump(relay, open(path, "w"))
    server, port = start_server(evsnn, path)
    s, r = connect(port, mode=1, factor=1.0, watch=1)
    sent = []
    one = frame(EVENTS_NOW, struct.pack("<IIf", 1, 0, 1.0))
    next_t = time.perf_counter()
    for _ in range(count):
        next_t += 0.002
        time.sleep(max(0.0, next_t - time.perf_counter()))  # sleeping releases the GIL to the reader thread
        sent.append(time.perf_counter())
        s.sendall(one)
    time.sleep(0.1)
    s.sendall(frame(BYE))
    r.join(10)
    s.close()
    server.terminate()
    server.wait()
    lat = sorted((a - b) * 1e3 for a, b in zip(r.arrivals, sent))
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    return {"events": count, "relay_spikes": len(r.arrivals), "median_ms": pick(0.5), "p99_ms": pick(0.99),
            "max_ms": lat[-1]}


def flood(evsnn, tmp, seconds):
    server, port = start_server(evsnn, os.path.join(tmp, "served.json"))
    time.sleep(0.2)
    base = rss_kib(server.pid)
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(frame(HELLO, struct.pack("<HBd", 1, 0, 1.0)))
    s.settimeout(0.5)
    peak, sent, t_ms = base, 0, 0.0
    end = time.perf_counter() + seconds
    chunk = [(0.0, 0)] * 65535
    while time.perf_counter() < end:
        evs = [(t_ms + k * 1e-3, k % 700) for k in range(65535)]
        t_ms += 65.535
        try:
            s.sendall(events_frame(evs))
            sent += 1
        except socket.timeout:
            pass
        peak = max(peak, rss_kib(server.pid))
    s.close()
    server.terminate()
    server.wait()
    del chunk
    return {"frames_accepted": sent, "rss_before_kib": base, "rss_peak_kib": peak, "seconds": seconds}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--evsnn", default="build/evsnn")
    ap.add_argument("--seconds", type=float, default=20.0, help="simulated seconds of the throughput run")
    ap.add_argument("--rate-hz", type=float, default=10.0)
    ap.add_argument("--latency-events", type=int, default=2000)
    ap.add_argument("--json")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = {"throughput": throughput(a.evsnn, tmp, a.seconds, a.rate_hz)}
        print(json.dumps(out["throughput"]), flush=True)
        out["latency"] = latency(a.evsnn, tmp, a.latency_events)
        print(json.dumps(out["latency"]), flush=True)
        out["flood"] = flood(a.evsnn, tmp, 5.0)
        print(json.dumps(out["flood"]), flush=True)
    if a.json:
        json.dump(out, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
