//go:build !maintgen_no_schedule

// The schedule: maintenance windows compiled in.

package maintenance

import (
	"context"
	"time"
)

// scheduleOn reports that the policy has a schedule.
const scheduleOn = true

// windowEnd reports whether the Guard's clock is inside a window of the
// schedule, and its end in Unix seconds.
func (g *Guard) windowEnd() (int64, bool) {
	if i, ok := windowAt(g.now().Unix()); ok {
		return schedule[i].end, true
	}
	return 0, false
}

// watchSchedule, for OnChange, observes the Status at each start and end
// of a window from now on, on a timer, until Close (a timer pending then
// fires once, and does nothing).
func (g *Guard) watchSchedule() {
	now := g.now()
	sec := now.Unix()
	for _, w := range schedule {
		for _, edge := range [...]int64{w.start, w.end} {
			if edge > sec {
				time.AfterFunc(time.Unix(edge, 0).Sub(now), func() {
					g.background(func() {
						g.notice()
						g.watchSchedule()
					})
				})
				return
			}
		}
	}
}

// window is one maintenance window of the schedule, [start, end), in Unix
// seconds. The schedule is sorted by start, and its windows do not
// overlap, so their ends are sorted too.
type window struct{ start, end int64 }

// windowAt returns the index of the schedule window that holds the Unix
// time now (in whole seconds: the windows' ends are whole seconds).
func windowAt(now int64) (int, bool) {
	i, j := 0, len(schedule)
	for i < j { // find the first window that ends after now
		h := int(uint(i+j) >> 1)
		if schedule[h].end <= now {
			i = h + 1
		} else {
			j = h
		}
	}
	if i < len(schedule) && schedule[i].start <= now {
		return i, true
	}
	return -1, false
}

// Upcoming reports the maintenance window of the policy's schedule that
// is in progress, or else the next one when it starts within the policy's
// announce duration, for a banner such as "maintenance tonight from 2:00
// to 4:00". The window is [start, end); times are in the local time zone.
// The clock is Config.Now. ok is false when there is no such window.
// Upcoming does not read the state: a mode switched on by hand has no
// known end. ctx is accepted for symmetry with Active and is not used.
func (g *Guard) Upcoming(ctx context.Context) (start, end time.Time, ok bool) {
	if len(schedule) == 0 {
		return time.Time{}, time.Time{}, false
	}
	now := g.now()
	sec := now.Unix()
	for _, w := range schedule {
		if sec >= w.end {
			continue
		}
		s := time.Unix(w.start, 0)
		if sec >= w.start || s.Sub(now) <= announce {
			return s, time.Unix(w.end, 0), true
		}
		break
	}
	return time.Time{}, time.Time{}, false
}
