/*
 * Unit tests of clock.c: what a heartbeat earns, and when the two clocks
 * of a unit disagree (DESIGN §5).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "assidu.h"

#define T0	1790000000000LL

static void
test_active_interval(void **state)
{
	int	 nv;

	(void)state;
	assert_int_equal(clock_credit(T0, T0 + 30000, 0, 1, &nv), 30000);
	assert_int_equal(nv, 0);
	assert_int_equal(clock_credit(T0, T0 + 1, 0, 1, &nv), 1);
}

static void
test_cap_and_silence(void **state)
{
	int	 nv;

	(void)state;
	assert_int_equal(clock_credit(T0, T0 + 60000, 0, 1, &nv), 60000);
	assert_int_equal(clock_credit(T0, T0 + 75000, 0, 1, &nv),
	    CLOCK_BEAT_CAP_MS);
	assert_int_equal(nv, 0);
	assert_int_equal(clock_credit(T0, T0 + CLOCK_SILENCE_MS, 0, 1, &nv),
	    CLOCK_BEAT_CAP_MS);
	assert_int_equal(nv, 0);
	assert_int_equal(clock_credit(T0, T0 + CLOCK_SILENCE_MS + 1, 0, 1,
	    &nv), 0);
	assert_int_equal(nv, 1);
	/* Silence ends a visit even when the heartbeat says inactive. */
	assert_int_equal(clock_credit(T0, T0 + 3600000, 0, 0, &nv), 0);
	assert_int_equal(nv, 1);
}

static void
test_inactive_and_backwards(void **state)
{
	int	 nv;

	(void)state;
	assert_int_equal(clock_credit(T0, T0 + 30000, 0, 0, &nv), 0);
	assert_int_equal(nv, 0);
	assert_int_equal(clock_credit(T0, T0, 0, 1, &nv), 0);
	assert_int_equal(clock_credit(T0, T0 - 5000, 0, 1, &nv), 0);
	assert_int_equal(nv, 0);
}

/* Another tab's heartbeats already credited up to some instant. */
static void
test_two_tabs(void **state)
{
	int64_t	 until = 0, total = 0, last[2], now = T0, c;
	int	 nv, i;

	(void)state;
	assert_int_equal(clock_credit(T0, T0 + 30000, T0 + 20000, 1, &nv),
	    10000);
	assert_int_equal(clock_credit(T0, T0 + 30000, T0 + 30000, 1, &nv), 0);
	assert_int_equal(clock_credit(T0, T0 + 30000, T0 + 40000, 1, &nv), 0);
	/* Two tabs beating alternately every 15 s for 10 minutes. */
	last[0] = last[1] = T0;
	for (i = 0; i < 40; i++) {
		now += 15000;
		c = clock_credit(last[i % 2], now, until, 1, &nv);
		last[i % 2] = now;
		if (c > 0)
			until = now;
		total += c;
	}
	assert_int_equal(total, 600000);
}

/* Two clocks disagree past 5 minutes and past 25 % of the larger. */
static void
test_gap(void **state)
{
	(void)state;
	assert_int_equal(clock_gap(0, 0), 0);
	/* Short units: the 5 minutes floor decides. */
	assert_int_equal(clock_gap(0, CLOCK_GAP_MIN_MS), 0);
	assert_int_equal(clock_gap(0, CLOCK_GAP_MIN_MS + 1), 1);
	assert_int_equal(clock_gap(CLOCK_GAP_MIN_MS, 0), 0);
	assert_int_equal(clock_gap(CLOCK_GAP_MIN_MS + 1, 0), -1);
	assert_int_equal(clock_gap(120000, 420000), 0);
	assert_int_equal(clock_gap(120000, 420001), 1);
	assert_int_equal(clock_gap(1800000, 120000), -1);
	/* Long ones: 25 % of the larger time (40 min of 160). */
	assert_int_equal(clock_gap(7200000, 9600000), 0);
	assert_int_equal(clock_gap(7200000, 9600004), 1);
	assert_int_equal(clock_gap(9600000, 7200000), 0);
	assert_int_equal(clock_gap(9600004, 7200000), -1);
	/* 20 min of 80: exactly the share, no gap; 1 ms more is one. */
	assert_int_equal(clock_gap(3600000, 4800000), 0);
	assert_int_equal(clock_gap(3600000 - 1, 4800000), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active_interval),
		cmocka_unit_test(test_cap_and_silence),
		cmocka_unit_test(test_inactive_and_backwards),
		cmocka_unit_test(test_two_tabs),
		cmocka_unit_test(test_gap),
	};

	return (cmocka_run_group_tests_name("clock", tests, NULL, NULL));
}
