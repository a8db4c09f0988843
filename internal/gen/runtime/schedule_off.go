//go:build maintgen_no_schedule

// The schedule, off: the policy has no maintenance windows.

package maintenance

import (
	"context"
	"time"
)

const scheduleOn = false

func (g *Guard) windowLeft() (int32, bool) { return 0, false }

// Upcoming reports the maintenance window of the policy's schedule that
// is in progress, or else the next one when it starts within the policy's
// announce duration. The policy has no schedule, so ok is always false.
// ctx is accepted for symmetry with Active and is not used.
func (g *Guard) Upcoming(ctx context.Context) (start, end time.Time, ok bool) {
	return time.Time{}, time.Time{}, false
}
