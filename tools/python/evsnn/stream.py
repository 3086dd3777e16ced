"""A client of `evsnn serve` (docs/protocol.md), in pure Python: stream input events into a served network
and get its spikes back as NumPy arrays.

    from evsnn.stream import StreamClient
    with StreamClient(port=7878) as c:                   # client timestamps: deterministic
        c.send_events(times_ms, channels)                # arrays; any number (cut into frames here)
        c.advance(100.0)                                 # every spike up to 100 ms has arrived after this
        t, pop, neuron = c.take_spikes()                 # float64, uint32, uint32 (c.populations names them)
        w = c.read_weights("input->hidden")              # (pre, post, w) arrays, as the network holds them now
    # leaving the block sends bye and keeps the server's summary in c.summary

    with StreamClient(port=7878, paced=True, factor=1.0) as c:   # the server follows the wall clock
        c.send_now([3, 5])                                        # at the current time

A reader thread takes the server's frames while the caller sends, so the server's back-pressure never
deadlocks the client. Server errors raise StreamError with the server's code and message.
"""

import json
import socket
import struct
import threading

import numpy as np

__all__ = ["StreamClient", "StreamError", "PROTOCOL_VERSION"]

PROTOCOL_VERSION = 1
_MAX_EVENTS = (1 << 20) // 16 - 1
_SPIKE = np.dtype([("t", "<f8"), ("pop", "<u4"), ("neuron", "<u4")])
_EVENT = np.dtype([("t", "<f8"), ("channel", "<u4"), ("grade", "<f4")])
_NOW = np.dtype([("channel", "<u4"), ("grade", "<f4")])
_WEIGHT = np.dtype([("pre", "<u4"), ("post", "<u4"), ("w", "<f8")])


class StreamError(RuntimeError):
    """An error frame from the server (code, message), or a connection that ended early."""

    def __init__(self, code, message):
        super().__init__(f"evsnn serve error {code}: {message}")
        self.code, self.message = code, message


def _frame(kind, payload=b""):
    return struct.pack("<IB", len(payload) + 1, kind) + payload


class StreamClient:
    """One connection to `evsnn serve`, with its own instance of the served network."""

    def __init__(self, host="127.0.0.1", port=7878, paced=False, factor=1.0, timeout=60.0):
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._timeout = timeout
        self._cv = threading.Condition()
        self._spikes = []
        self._replies = []  # (type, payload) of every frame other than spikes
        self._error = None
        self._closed = False
        self.dropped = 0
        self.summary = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._send(_frame(0x01, struct.pack("<HBd", PROTOCOL_VERSION, 1 if paced else 0, float(factor))))
        payload = self._wait(0x81)
        self.info = json.loads(payload[2:].decode())
        self.populations = [p["name"] for p in self.info["populations"]]

    # -- the reader thread --
    def _read(self):
        buf = bytearray()
        try:
            while True:
                data = self._sock.recv(1 << 20)
                if not data:
                    break
                buf += data
                while len(buf) >= 4:
                    (n,) = struct.unpack_from("<I", buf)
                    if len(buf) < 4 + n:
                        break
                    kind, payload = buf[4], bytes(buf[5:4 + n])
                    del buf[:4 + n]
                    with self._cv:
                        if kind == 0x82:
                            (count,) = struct.unpack_from("<I", payload)
                            self._spikes.append(np.frombuffer(payload, _SPIKE, count, 4))
                        elif kind == 0x83:
                            (self.dropped,) = struct.unpack("<Q", payload)
                        elif kind == 0xFF:
                            (code,) = struct.unpack_from("<H", payload)
                            self._error = StreamError(code, payload[2:].decode(errors="replace"))
                        else:
                            self._replies.append((kind, payload))
                        self._cv.notify_all()
        except OSError:
            pass
        with self._cv:
            self._closed = True
            self._cv.notify_all()

    def _wait(self, kind):
        with self._cv:
            while True:
                for k, (t, payload) in enumerate(self._replies):
                    if t == kind:
                        del self._replies[k]
                        return payload
                if self._error is not None:
                    raise self._error
                if self._closed:
                    raise StreamError(0, "the server closed the connection")
                if not self._cv.wait(self._timeout):
                    raise TimeoutError(f"no answer from evsnn serve in {self._timeout} s")

    def _send(self, data):
        try:
            self._sock.sendall(data)
        except OSError as e:
            with self._cv:
                if self._error is not None:
                    raise self._error from e
            raise

    # -- the protocol --
    def send_events(self, times_ms, channels, grades=None):
        """Input events at their times (ms), any number, in any order later than the time already simulated."""
        ev = np.empty(len(channels), _EVENT)
        ev["t"], ev["channel"] = times_ms, channels
        ev["grade"] = 1.0 if grades is None else grades
        for at in range(0, len(ev), _MAX_EVENTS):
            part = ev[at:at + _MAX_EVENTS]
            self._send(_frame(0x02, struct.pack("<I", len(part)) + part.tobytes()))

    def send_now(self, channels, grades=None):
        """Input events at the current time (paced: the wall clock's; timestamps: the stream's latest)."""
        ev = np.empty(len(channels), _NOW)
        ev["channel"] = channels
        ev["grade"] = 1.0 if grades is None else grades
        for at in range(0, len(ev), _MAX_EVENTS):
            part = ev[at:at + _MAX_EVENTS]
            self._send(_frame(0x03, struct.pack("<I", len(part)) + part.tobytes()))

    def advance(self, t_ms):
        """Every input up to t_ms was sent: returns once every spike up to t_ms has arrived."""
        self._send(_frame(0x04, struct.pack("<d", float(t_ms))))
        self._wait(0x84)

    def reset(self):
        """Back to rest at time 0; pending input dropped."""
        self._send(_frame(0x05))
        self._wait(0x85)

    def set_plasticity(self, on):
        """Switch the network's plasticity on or off (weights and traces frozen)."""
        self._send(_frame(0x06, bytes([1 if on else 0])))
        self._wait(0x86)

    def read_counters(self):
        """The counters.json of `evsnn run` for the time simulated so far, plus this session's summary."""
        self._send(_frame(0x07))
        return json.loads(self._wait(0x87).decode())

    def read_weights(self, projection):
        """A projection's synapses now: (pre, post, w) arrays in the projection's order."""
        name = projection.encode()
        self._send(_frame(0x08, struct.pack("<H", len(name)) + name))
        parts, total = [], None
        while total is None or sum(len(p) for p in parts) < total:
            payload = self._wait(0x88)
            (n_name,) = struct.unpack_from("<H", payload)
            _, _, total, _, count = struct.unpack_from("<IIQQI", payload, 2 + n_name)
            parts.append(np.frombuffer(payload, _WEIGHT, count, 2 + n_name + 28))
        rows = np.concatenate(parts) if parts else np.empty(0, _WEIGHT)
        return rows["pre"].copy(), rows["post"].copy(), rows["w"].copy()

    def take_spikes(self):
        """The spikes received since the last call: time_ms (float64), population index and neuron (uint32)."""
        with self._cv:
            rows = np.concatenate(self._spikes) if self._spikes else np.empty(0, _SPIKE)
            self._spikes = []
        return rows["t"].copy(), rows["pop"].copy(), rows["neuron"].copy()

    def close(self):
        """bye: the server simulates to the stream's end, sends the rest and its summary (kept in .summary)."""
        if self.summary is None and not self._closed:
            self._send(_frame(0x09))
            self.summary = json.loads(self._wait(0x89).decode())
        self._sock.close()
        self._reader.join(self._timeout)
        return self.summary

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.close()
        else:
            self._sock.close()
        return False
