"""Every number that decides whether a cellular transmitter is reported, with its reason.

Sources: NYU Tandon, "You Can Drive But You Cannot Hide" (USENIX VehicleSec 2025) for the method (a
tracker's uplink bursts repeat like clockwork, typically every minute while moving); the tracker
protocols and reporting intervals in firmware_notes/cellular-trackers.md (10-120 s while moving).
"""

from __future__ import annotations

# --- Noise floor and bursts -------------------------------------------------------------------------
# A channel's noise floor is its median level over the recording: a tracker transmits for a few
# seconds a minute (well under half the time), so the median is the floor, and a carrier on all the
# time (base-station leakage, a neighbour's constant signal) raises its own floor instead of
# making bursts.  The spread is 1.4826 × the median absolute deviation (the Gaussian sigma).
MAD_TO_SIGMA = 1.4826
# A sample is part of a burst when it is this far above its channel's floor (dB) ...
BURST_DB = 6.0
# ... and this many sigmas of the channel's own spread, so a noisy channel needs more (count).
BURST_SIGMAS = 5.0
# Bins of a channel hit in the same sweep with at most this many quiet bins between them are one
# event (count): a burst a few bins wide dips in the middle of its spectrum.
BIN_GAP = 1
# Events seen within this many seconds of each other, overlapping in frequency, are one burst; at
# least this, or 1.5 sweep intervals when sweeps are slower (a burst spans consecutive sweeps).
MERGE_GAP_S = 3.0
# Bursts wider than this are wideband interference (an LTE-M tracker uses 1.08 MHz, NB-IoT 180 kHz,
# GSM 200 kHz; a phone's large upload or a switching supply splatters far wider), Hz.
MAX_BURST_WIDTH_HZ = 5_000_000
# Bursts longer than this are not a tracker's report (one report takes seconds: connection set-up,
# a few hundred bytes, release), seconds.  Longer ones are calls, streams or intermittent carriers.
MAX_BURST_S = 30.0

# --- Rhythm --------------------------------------------------------------------------------------------
# Periods looked for, seconds: trackers report every 10-120 s while moving (cellular-trackers.md);
# 8 s leaves room for aggressive settings, 300 s for slow ones.
MIN_PERIOD_S = 8.0
MAX_PERIOD_S = 300.0
# A burst continues a schedule when it starts within this of the predicted time: the time between
# two sweeps over the same channel (a burst is only seen when the sweep passes it) plus a share of
# the period for the tracker's own timer drift.  Seconds, and a fraction of the period.
TIME_TOL_S = 1.5
TIME_TOL_SWEEPS = 1.5
TIME_TOL_REL = 0.03
# Bursts of one transmitter stay within this either side of its carrier's centre (Hz; a tracker may be
# moved to another channel of its cell's carrier, usually a neighbouring one, within 2 MHz), so within
# twice this of each other: the simulator's LTE-M tracker moves 1.4 MHz either way, 2.8 MHz between its
# outer narrowbands (seed 41: with the schedule held within this of its first burst, the bursts on the
# other side of the carrier could not join and it was found by its 8th burst instead of its 5th) ...
HOP_SPAN_HZ = 2_000_000
# ... and within this of each other in level (dB): in a car, the tracker and the antenna stay put, so
# its level is steady, while passers-by's phones come and go.
LEVEL_TOL_DB = 8.0
# ... and of similar width (Hz, or share of the wider): a tracker sends the same few hundred bytes each
# time on the same allocation; a phone's allocation follows its traffic.  One or two bins either way
# are the sweep's resolution and the burst's edges dipping under the threshold.
WIDTH_TOL_HZ = 400_000
WIDTH_TOL_REL = 0.5
# A tracker sends on the few channels its cell gives it and comes back to them: an NB-IoT carrier, one
# or two LTE-M narrowbands, the cell's GSM frequencies.  A phone's allocation follows its traffic and
# moves at every burst.  Two bursts are on the same channel when both their edges are within this many
# sweep bins, and a burst on a channel no other burst of the schedule used is dropped from it; so is a
# channel that overlaps another of the schedule's (the same traffic drifting, not a new allocation).
# On the simulator's suite (seeds 0-9) every true schedule had at least 82 % of its bursts on repeated
# channels, and the phones' chance schedules that passed every other test at most 33 %, the 4 false
# alarms of the busy street.  Half a bin means the same bins exactly: with one bin either way, phones'
# bursts whose edges drift by a bin made chance schedules again.  Not tried on a real tracker: a weak
# LTE-M burst whose edge bins dip under the threshold would lose bursts (then widen this).
CHANNEL_TOL_BINS = 0.5
# ... except up to this many bursts (count) on channels of their own, when each is clear of the
# schedule's channels, exactly as wide as one of them (the same allocation moved: a phone's allocation
# follows its traffic, 1-25 bins in the simulator) and exactly on time: within this share of the jitter
# limit (MAX_JITTER_*) of where the others put it, in units of how well they place it (a burst at
# either end is placed by extrapolation, up to twice as loosely; a phone's burst lands anywhere in the
# time tolerance), and at least three bursts stay on the schedule's channels.  The LTE-M tracker that
# moves between three narrowbands every third report, skipping some, leaves one burst on a narrowband
# at either end of its first five (seeds 41 and 46: found by the 8th burst with one such burst allowed,
# and only as the latest; 13: one in the middle, found by the 6th).  Such bursts do not count as
# evidence for a faster schedule (HARMONIC_*; busy_tracker_60s seed 12: a phone's burst of the
# tracker's width between two of its slots, exactly on time, had it reported at 30 s).
MAX_LONE = 2
LONE_FIT_SHARE = 1.0
# Bursts on one residue of every second (third) slot, this share of them or more, are the schedule at
# twice (three times) the period, and the others strays that filled its gaps (share).
HARMONIC_SHARE = 0.75
# ... unless every one of those others lies on the faster schedule within this (seconds) of the worst of
# the rest: keeping time that well, they are the tracker's own reports, and the tracker skipped many
# (fresh seeds 13 and 14 of the simulator's suite: a 90 s and a 60 s tracker were reported at twice
# their period).  A phone's burst that arrives in the slot lands anywhere in its tolerance.  They must
# also be on the slower schedule's own channels: two phone bursts on one allocation of their own make a
# channel of it (busy_tracker_60s seed 1: a 60 s tracker reported at 30 s).
HARMONIC_FIT_S = 0.3
# A burst of a schedule lasts at most this share of its period (share): a tracker's report takes a
# few seconds (2 s in the simulator, 1 s for its 10 s GSM tracker; seen up to a sweep interval or two
# longer, as the sweeps that pass it start and end it) and its modem sleeps in between.  A leakage carrier
# whose level hovers at its channel's threshold (switching on for minutes lifts the channel's spread)
# makes blips of any length: fresh seed 49 of the suite had six of 2-20 s on an 11.4 s schedule.
MAX_DUTY = 0.5
# A schedule stops after this many expected bursts in a row are missing (count): trackers skip
# reports when parked or out of coverage, and sweeps miss short bursts.  The simulator's tracker that
# skips 30 % of its reports skipped four in a row before its 5th burst on seeds 25 and 46 (found by
# the 6th and missed with 3).
MAX_MISSES = 4
# A schedule grown from two bursts one period apart that held at least this many bursts is tried at
# half the period too (the pair two periods apart, a report skipped between them), counting bursts
# before any were dropped from it (count): a tracker skipping reports may have left only three on the
# doubled schedule, and one on a new channel is dropped before the half period brings its neighbours
# (seed 46's 60 s tracker, seed 33's hopping LTE-M tracker).
HALF_TRY_BURSTS = 3
# A transmitter is reported with at least this many bursts on schedule (count): the target is to find a
# tracker by its fifth burst, and four intervals tell a schedule from chance in a busy street.
MIN_BURSTS = 5
# ... filling at least this share of its schedule's slots between the first and the last burst (a
# schedule with bursts only on every second slot is taken at twice the period first).  Trackers skip
# reports (a third of them in the simulator's worst case), so this is low; the chance of a sparse
# coincidence is counted in the confidence.
MIN_FILL = 0.4
# ... with its bursts within this RMS of the fitted schedule (stability): a tracker's timer is clockwork
# ("every minute on the dot", NYU), so what is left is when the sweep passed its channel (uniform over
# one sweep interval, RMS 0.29 of it) and the modem's variable wake-up and access to the network
# (a few tenths of a second).  Seconds, sweep intervals, or share of the period, whichever is largest.
# The simulator's worst tracker (0.5 s RMS timer jitter) sometimes measures 0.85 s over its first five
# bursts and is then found a burst or two later; allowing 1 s let through chance alignments of phones'
# bursts in the busy scenarios.
MAX_JITTER_S = 0.8
MAX_JITTER_SWEEPS = 0.7
MAX_JITTER_REL = 0.005
# ... or this many times that, when no other burst came on the schedule's channels around it (nothing
# there could have lined up by chance, the reason for the limit): the simulator's 0.5 s-jitter tracker
# measured 0.86 s over its first five bursts on fresh seed 9 and was found only by its seventh (factor).
QUIET_JITTER_FACTOR = 1.5
# A burst further than this from the fitted schedule is dropped from it (seconds, or sweep intervals):
# the sweep explains up to one interval and the tracker's wake-up a few tenths of a second more; a
# stray burst that filled a missed slot is usually further off.
OUTLIER_S = 2.0
OUTLIER_SWEEPS = 1.5
# A schedule's bursts must be, by their median, this far above the floor (dB): the target is 10 dB;
# samples just over BURST_DB come and go with the noise and with the edges of long bursts.
MIN_LEVEL_DB = 8.0
# The chance of a coincidence is judged on the traffic around the schedule: from this many periods
# before its first burst to as many after its last (count).
CHANCE_MARGIN_PERIODS = 2.0
# The chance of a coincidence is computed as if other traffic came at random times (Poisson); phones'
# traffic comes in clusters (an app syncing, a message thread), which makes coincidences more likely
# than that: the estimate is multiplied by this before it lowers the confidence (count; set so that
# no busy no-tracker recording of the simulator's suite reports anything).
CHANCE_SAFETY = 4.0
# Confidence below this is not reported (0-1; see detect.confidence): five bursts on schedule in a
# quiet spectrum give 0.88; in a busy street the chance of a coincidence must be under about 1 in 5.
MIN_CONFIDENCE = 0.7

# --- The procedure ----------------------------------------------------------------------------------------
# The slowest period the done-when target covers, and the bursts needed: a sweep should last at
# least 120 s × 5 = 10 minutes (while the car moves).
SLOWEST_PERIOD_S = 120.0
BURSTS_TO_FIND = 5
MIN_SWEEP_S = SLOWEST_PERIOD_S * BURSTS_TO_FIND
