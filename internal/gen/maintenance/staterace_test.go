package maintenance

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestStateFileTruncatingWriters: echo on > maintenance.state truncates
// the file before it writes. Readers racing with such writers must never
// take the empty file for a value: zero decisions of the wrong state, and
// no fall back to state.fallback (whose use is logged).
func TestStateFileTruncatingWriters(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv(envVar, "")
	writeState(t, "on")
	var log syncBuffer
	g := New(Config{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	req := newReq("/secret")
	if d := g.Decide(req); d.Pass {
		t.Fatalf("the first read: %+v", d)
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		for range 1000 {
			// os.WriteFile truncates, then writes, as the shell's > does.
			if err := os.WriteFile(stateName, []byte("on\n"), 0o644); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	reads, wrong := 0, 0
	for !done.Load() {
		g.word.Or(stateStale) // a re-read now, as if the poll interval had passed
		if g.Decide(req).Pass {
			wrong++
		}
		reads++
	}
	wg.Wait()
	if wrong > 0 {
		t.Errorf("%d of %d reads racing with truncating writers found the mode off", wrong, reads)
	}
	if strings.Contains(log.String(), "using state.fallback") {
		t.Errorf("a read fell back to state.fallback:\n%s", log.String())
	}
	t.Logf("%d reads, none wrong", reads)
}

// TestStateFileEmptyForAPoll: an empty file is a write in progress only
// for emptyPatience; after that it means state.fallback, as before.
func TestStateFileEmptyForAPoll(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv(envVar, "")
	writeState(t, "off")
	var log syncBuffer
	g := New(Config{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if !g.Decide(newReq("/secret")).Pass {
		t.Fatal("off: blocked")
	}
	writeState(t, "")
	g.word.Or(stateStale)
	if !g.Decide(newReq("/secret")).Pass {
		t.Fatal("empty right after off: the last value was not kept")
	}
	time.Sleep(emptyPatience + 10*time.Millisecond)
	g.word.Or(stateStale)
	if g.Decide(newReq("/secret")).Pass != !stateFallback {
		t.Fatalf("empty for emptyPatience: not state.fallback")
	}
	if !strings.Contains(log.String(), "using state.fallback") {
		t.Errorf("the fallback was not logged:\n%s", log.String())
	}
}

// TestStateFileSwappedToFIFO: a symbolic link swapped between a regular
// file and a FIFO, as fast as it goes, never blocks a read: the file is
// opened without blocking and checked once open.
func TestStateFileSwappedToFIFO(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv(envVar, "")
	if err := os.WriteFile("regular", []byte("on\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo("fifo", 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	if err := os.Symlink("regular", stateName); err != nil {
		t.Fatal(err)
	}
	g := New(Config{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		targets := []string{"fifo", "regular"}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			os.Remove("link.tmp")
			os.Symlink(targets[i%2], "link.tmp")
			os.Rename("link.tmp", stateName)
		}
	}()
	finished := make(chan int)
	go func() {
		n := 0
		for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); n++ {
			g.word.Or(stateStale)
			g.Decide(newReq("/secret"))
		}
		finished <- n
	}()
	select {
	case n := <-finished:
		t.Logf("%d reads while the link was swapped, none blocked", n)
	case <-time.After(10 * time.Second):
		t.Error("a read of the state file blocked on a FIFO")
		// Unblock it: a writer opens the FIFO.
		if f, err := os.OpenFile("fifo", os.O_WRONLY, 0); err == nil {
			f.Close()
		}
	}
	close(stop)
	wg.Wait()
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
