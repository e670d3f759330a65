package tutorialcheck

import (
	"bufio"
	"errors"
	"fmt"
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
)

// InfoString is the info string that marks a fenced block as checked.
const InfoString = "console check"

// Block is one checked console block of a Markdown file.
type Block struct {
	Line     int // 1-based line of the opening fence
	Commands []Command
}

// Command is one command of a block and what it must print.
type Command struct {
	Line     int      // 1-based line of the "$ " line
	Text     string   // the command as bash sees it; continuation lines kept
	Want     []string // expected output lines; "..." matches any lines
	WantExit int      // expected exit status, from a final "[exit N]" line
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
				if strings.Join(strings.Fields(info), " ") == InfoString {
					cur = &Block{Line: lineNo}
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

// finish normalises each command's expected output and reads its "[exit N]".
func finish(b *Block) error {
	for i := range b.Commands {
		c := &b.Commands[i]
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
			}
		}
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
