package tutorialcheck

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Sentinel errors of this package.
var (
	// ErrUnclosedBlock: a checked block has no closing fence.
	ErrUnclosedBlock = errors.New("tutorialcheck: checked block not closed")
	// ErrOutputBeforeCommand: a checked block has output lines before its first "$ " line.
	ErrOutputBeforeCommand = errors.New("tutorialcheck: output before the first command")
	// ErrTimeout: a command ran longer than its time allows.
	ErrTimeout = errors.New("tutorialcheck: command timed out")
	// ErrBadInfoString: a checked block's info string has a word after
	// "console check" that is not needs=….
	ErrBadInfoString = errors.New("tutorialcheck: unknown word in the info string")
	// ErrTwoServers: a block starts more than one server.
	ErrTwoServers = errors.New("tutorialcheck: a block starts one server at most")
	// ErrNoServer: "kill … $!" or "wait $!" in a block that has started no server.
	ErrNoServer = errors.New("tutorialcheck: no server started before this command")
	// ErrServerNotStopped: a block starts a server and never stops it with
	// "kill $!" or waits for it with "wait $!".
	ErrServerNotStopped = errors.New("tutorialcheck: the server is never stopped (end with kill $!)")
	// ErrNoStartUp: nothing under a command ending in "&": its start-up
	// lines, up to "Listening at:" at least, must be shown, or "...".
	ErrNoStartUp = errors.New(`tutorialcheck: show the server's start-up lines, or "..." in their place`)
	// ErrServerExit: an "[exit N]" under a command ending in "&", whose
	// status only "wait $!" can show.
	ErrServerExit = errors.New(`tutorialcheck: a server's exit status belongs under "wait $!"`)
)

// InfoString is the info string that marks a fenced block as checked. Words
// may follow it: "needs=curl,python3-django" names what the block needs.
const InfoString = "console check"

// Block is one checked console block of a Markdown file.
type Block struct {
	Line     int // 1-based line of the opening fence
	Commands []Command
	// Needs lists the needs=… names of the info string, in order: tools or
	// packages the block cannot run without. The caller decides what each
	// means (TestTutorial skips the block without them, or fails under CI).
	Needs []string
}

// Command is one command of a block and what it must print.
type Command struct {
	Line     int      // 1-based line of the "$ " line
	Text     string   // the command as bash sees it; continuation lines kept
	Want     []string // expected output lines; "..." matches any lines
	WantExit int      // expected exit status, from a final "[exit N]" line
	Kind     Kind     // what the checker does with it, read from Text
	Var      string   // for Kind Set: the name of the variable it sets
}

// Kind is what the checker does with a command.
type Kind int

// The kinds of command. All but Wait run with bash; Serve runs in the
// background.
const (
	// Run: an ordinary command, run to its end.
	Run Kind = iota
	// Serve: a command ending in "&", a server started in the background.
	Serve
	// Kill: "kill [OPTIONS] $!", a signal to the server. The block's last
	// Kill or Wait is where the server stops.
	Kill
	// Wait: "wait $!", which waits for the server to exit and has its status.
	Wait
	// Set: "NAME=VALUE" alone, which sets a shell variable for the block's
	// later commands, as in the learner's shell: site=$(mktemp -d). VALUE is
	// a word, a quoted string or one $(…) without parentheses inside.
	Set
)

// assignment matches a command that only sets a variable (Kind Set).
var assignment = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(\$\([^()]*\)|"[^"]*"|'[^']*'|[^\s'"()$;&|<>` + "`" + `]*)$`)

// kindOf reads a command's kind from its text, and the variable a Set
// command sets.
func kindOf(text string) (Kind, string) {
	t := strings.TrimSpace(text)
	fields := strings.Fields(t)
	if m := assignment.FindStringSubmatch(t); m != nil {
		return Set, m[1]
	}
	switch {
	case strings.HasSuffix(t, "&") && !strings.HasSuffix(t, "&&"):
		return Serve, ""
	case len(fields) == 2 && fields[0] == "wait" && fields[1] == "$!":
		return Wait, ""
	case len(fields) >= 2 && fields[0] == "kill" && fields[len(fields)-1] == "$!":
		return Kill, ""
	}
	return Run, ""
}

// parseInfo reports whether a fence's info string marks a checked block, and
// returns the names its needs=… words list.
func parseInfo(info string) (checked bool, needs []string, err error) {
	words := strings.Fields(info)
	if len(words) < 2 || words[0]+" "+words[1] != InfoString {
		return false, nil, nil
	}
	for _, w := range words[2:] {
		list, ok := strings.CutPrefix(w, "needs=")
		if !ok || list == "" {
			return true, nil, fmt.Errorf("%q: %w", w, ErrBadInfoString)
		}
		needs = append(needs, strings.Split(list, ",")...)
	}
	return true, needs, nil
}

// Extract returns the checked blocks of a Markdown document, in order. Other
// fenced blocks are skipped whole, so a "$ " inside them means nothing.
func Extract(markdown string) ([]Block, error) {
	var (
		blocks    []Block
		cur       *Block // the open checked block, if any
		fence     string // the open fence of any block, "" outside blocks
		lineNo    int
		continued bool // the previous command line ended in a backslash
	)
	sc := bufio.NewScanner(strings.NewReader(markdown))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if fence == "" {
			if f, info, ok := openingFence(line); ok {
				fence = f
				checked, needs, err := parseInfo(info)
				if err != nil {
					return nil, fmt.Errorf("line %d: %w", lineNo, err)
				}
				if checked {
					cur = &Block{Line: lineNo, Needs: needs}
				}
			}
			continue
		}
		if closesFence(line, fence) {
			if cur != nil {
				if err := finish(cur); err != nil {
					return nil, err
				}
				blocks = append(blocks, *cur)
			}
			fence, cur, continued = "", nil, false
			continue
		}
		if cur == nil {
			continue
		}
		switch {
		case continued:
			c := &cur.Commands[len(cur.Commands)-1]
			c.Text += "\n" + line
			continued = strings.HasSuffix(line, `\`)
		case strings.HasPrefix(line, "$ "):
			text := strings.TrimPrefix(line, "$ ")
			cur.Commands = append(cur.Commands, Command{Line: lineNo, Text: text})
			continued = strings.HasSuffix(text, `\`)
		case len(cur.Commands) == 0:
			if strings.TrimSpace(line) != "" {
				return nil, fmt.Errorf("line %d: %w", lineNo, ErrOutputBeforeCommand)
			}
		default:
			c := &cur.Commands[len(cur.Commands)-1]
			c.Want = append(c.Want, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read markdown: %w", err)
	}
	if cur != nil {
		return nil, fmt.Errorf("block at line %d: %w", cur.Line, ErrUnclosedBlock)
	}
	return blocks, nil
}

// finish normalises each command's expected output, reads its "[exit N]"
// and its kind, and checks that a server the block starts is stopped.
func finish(b *Block) error {
	server := -1 // index of the Serve command
	stopped := false
	for i := range b.Commands {
		c := &b.Commands[i]
		c.Kind, c.Var = kindOf(c.Text)
		switch c.Kind {
		case Serve:
			if server >= 0 {
				return fmt.Errorf("line %d: %w (the first is at line %d)", c.Line, ErrTwoServers, b.Commands[server].Line)
			}
			server = i
		case Kill, Wait:
			if server < 0 {
				return fmt.Errorf("line %d: %w", c.Line, ErrNoServer)
			}
			stopped = true
		}
		c.Want = normalize(c.Want)
		if n := len(c.Want); n > 0 {
			last := c.Want[n-1]
			if s, ok := strings.CutPrefix(last, "[exit "); ok && strings.HasSuffix(s, "]") {
				code, err := strconv.Atoi(strings.TrimSuffix(s, "]"))
				if err != nil {
					return fmt.Errorf("line %d: bad %q: %w", c.Line, last, err)
				}
				c.WantExit = code
				c.Want = normalize(c.Want[:n-1])
				if c.Kind == Serve {
					return fmt.Errorf("line %d: %w", c.Line, ErrServerExit)
				}
			}
		}
		if c.Kind == Serve && len(c.Want) == 0 {
			return fmt.Errorf("line %d: %w", c.Line, ErrNoStartUp)
		}
	}
	if server >= 0 && !stopped {
		return fmt.Errorf("line %d: %w", b.Commands[server].Line, ErrServerNotStopped)
	}
	return nil
}

// openingFence reports whether line opens a fenced code block (up to three
// spaces of indent, then three or more backticks or tildes) and returns the
// fence and the info string after it.
func openingFence(line string) (fence, info string, ok bool) {
	trimmed := strings.TrimLeft(line, " ")
	if len(line)-len(trimmed) > 3 || len(trimmed) < 3 {
		return "", "", false
	}
	ch := trimmed[0]
	if ch != '`' && ch != '~' {
		return "", "", false
	}
	n := 0
	for n < len(trimmed) && trimmed[n] == ch {
		n++
	}
	if n < 3 {
		return "", "", false
	}
	return trimmed[:n], strings.TrimSpace(trimmed[n:]), true
}

// closesFence reports whether line closes a block opened with fence: the same
// character, at least as many times, and nothing else.
func closesFence(line, fence string) bool {
	trimmed := strings.TrimSpace(line)
	if len(trimmed) < len(fence) || len(line)-len(strings.TrimLeft(line, " ")) > 3 {
		return false
	}
	return strings.Trim(trimmed, fence[:1]) == ""
}
