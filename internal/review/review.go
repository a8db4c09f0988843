// Package review helps people review a maintenance policy: Lint finds
// rules that are valid but probably wrong, Diff says what a change to a
// policy means rather than which lines moved, and Explain summarizes a
// policy in plain language. They take validated policies and return
// values or text; the command layer does the I/O.
package review
