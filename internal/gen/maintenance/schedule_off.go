//go:build maintgen_no_schedule

// The schedule, off: the policy has no maintenance windows.

package maintenance

import (
	"context"
	"time"
)

const scheduleOn = false

func (g *Guard) windowEnd() (int64, bool) { return 0, false }

func (g *Guard) watchSchedule() {}

// Upcoming reports the schedule's window in progress, or the next one
// within announce; the policy has no schedule, so ok is always false.
func (g *Guard) Upcoming(ctx context.Context) (start, end time.Time, ok bool) { return }
