// Package interp is the reference interpreter of a maintenance policy:
// what the generated middleware decides, computed slowly and plainly from
// a policy.Policy, rule by rule. The tests hold the generated code, the
// nginx snippet and the HAProxy errorfile to it, and maintgen try, diff
// and status explain decisions with it.
//
// It holds the concepts that every other spelling is tested against: the
// table of decision steps (Steps), the decision of one request
// (Evaluate), and the state model, which says which input decides the
// mode (StateAt).
package interp
