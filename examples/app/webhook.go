package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/maintgen/maintgen/examples/app/maintenance"
)

// Change is the JSON body that the webhook posts: the Status before and
// after a change of the maintenance state.
type Change struct {
	Old maintenance.Status `json:"old"`
	New maintenance.Status `json:"new"`
}

// webhook returns a Config.OnChange hook that POSTs each change as a
// Change in JSON to url, giving up after timeout, and logs a failure (a
// refused connection, a status other than 2xx, the timeout) to logger.
//
// The guard calls OnChange from a goroutine of its own, one call at a
// time and in order, never from a request: a slow or dead receiver delays
// the next notice by at most timeout, and never a request.
func webhook(client *http.Client, url string, timeout time.Duration, logger *slog.Logger) func(old, new maintenance.Status) {
	return func(old, new maintenance.Status) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := post(ctx, client, url, Change{old, new}); err != nil {
			logger.Warn("maintenance webhook failed", slog.String("url", url), slog.String("error", err.Error()))
		}
	}
}

func post(ctx context.Context, client *http.Client, url string, c Change) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16)) // let the connection be reused
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s", url, res.Status)
	}
	return nil
}
