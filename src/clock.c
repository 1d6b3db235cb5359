/*
 * Time sources. All evidence uses the server's wall clock in milliseconds
 * since the epoch; durations inside the process use the monotonic clock.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "assidu.h"

/*
 * Tests move time forward (a week opens, a tab stays silent 90 s) through
 * an offset that only the test-mode route sets; it is 0 in production.
 */
static _Atomic int64_t clock_offset_ms;

int64_t
clock_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    atomic_load_explicit(&clock_offset_ms, memory_order_relaxed));
}

/* Test mode only: shift the wall clock every service reads. */
void
clock_set_offset(int64_t ms)
{
	atomic_store(&clock_offset_ms, ms);
}

int64_t
clock_offset(void)
{
	return (atomic_load(&clock_offset_ms));
}

uint64_t
clock_mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/*
 * What one heartbeat at now earns (DESIGN §5): the time since the
 * session's last heartbeat, only when the learner was active, at most
 * CLOCK_BEAT_CAP_MS, and only past credited_until, the instant up to which
 * the learner's time is already credited (another tab's heartbeats), so
 * two tabs never earn twice. After CLOCK_SILENCE_MS of silence the visit
 * had ended at its last heartbeat: nothing is earned and *new_visit says
 * a new one begins.
 */
int64_t
clock_credit(int64_t last_beat, int64_t now, int64_t credited_until,
    int active, int *new_visit)
{
	int64_t	 from;

	*new_visit = 0;
	if (now <= last_beat)
		return (0);
	if (now - last_beat > CLOCK_SILENCE_MS) {
		*new_visit = 1;
		return (0);
	}
	if (!active)
		return (0);
	from = last_beat > credited_until ? last_beat : credited_until;
	if (now <= from)
		return (0);
	return (now - from > CLOCK_BEAT_CAP_MS ? CLOCK_BEAT_CAP_MS :
	    now - from);
}

/*
 * Do the two clocks of a unit disagree (DESIGN §5)? The SCO's own time
 * counts idle and hidden minutes the server does not credit, and a crash
 * loses its last report, so they never match exactly: a gap is a
 * difference over CLOCK_GAP_MIN_MS and over CLOCK_GAP_SHARE % of the
 * larger one. 1 when the unit reports more than the server measured, -1
 * when the server measured more than the unit reports, 0 otherwise.
 */
int
clock_gap(int64_t measured_ms, int64_t reported_ms)
{
	int64_t	 diff, larger, tolerance;

	diff = reported_ms - measured_ms;
	larger = reported_ms > measured_ms ? reported_ms : measured_ms;
	tolerance = larger * CLOCK_GAP_SHARE / 100;
	if (tolerance < CLOCK_GAP_MIN_MS)
		tolerance = CLOCK_GAP_MIN_MS;
	if (diff > tolerance)
		return (1);
	if (-diff > tolerance)
		return (-1);
	return (0);
}

/* ISO 8601 in UTC with milliseconds: 2026-11-24T07:10:00.123Z. */
void
clock_format_iso(int64_t ms, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 t;
	char		 tmp[32];

	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", tmp, (int)(ms % 1000));
}
