// Package standalone holds the check that the repository stands alone: no
// tracked file points at a path outside the checkout (a sibling directory or
// an absolute path of one machine), so a bare clone builds and tests as is.
package standalone
