"""poisson_input: independent Poisson spike trains for the networks the comparison scripts write
(make_input_heavy.py, make_untuned.py, random_networks.py): a count per channel, then uniform times (the same
law as exponential gaps), sorted by time and then channel."""
import numpy as np


def poisson_trains(rng, n, rate_hz, duration_ms):
    """(times_ms, channels) of n independent Poisson trains at rate_hz over [0, duration_ms), sorted."""
    counts = rng.poisson(rate_hz * duration_ms / 1000.0, size=n)
    channels = np.repeat(np.arange(n), counts)
    times = rng.uniform(0.0, duration_ms, size=channels.size)
    order = np.lexsort((channels, times))
    return times[order], channels[order]
