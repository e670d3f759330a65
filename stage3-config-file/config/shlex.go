package config

import "fmt"

// shellSplit splits GUNICORN_CMD_ARGS into words as a POSIX shell would,
// without expanding anything: spaces separate words, 'single quotes' keep
// everything, "double quotes" keep everything but \" \\ \$ \`, and a
// backslash outside quotes keeps the next character.
func shellSplit(s string) ([]string, error) {
	var words []string
	var word []rune
	inWord := false
	runes := []rune(s)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, string(word))
				word, inWord = word[:0], false
			}
		case r == '\\':
			inWord = true
			if i+1 < len(runes) {
				i++
				if runes[i] != '\n' {
					word = append(word, runes[i])
				}
			}
		case r == '\'':
			inWord = true
			end := i + 1
			for end < len(runes) && runes[end] != '\'' {
				end++
			}
			if end == len(runes) {
				return nil, fmt.Errorf("no closing ' in %q", s)
			}
			word = append(word, runes[i+1:end]...)
			i = end
		case r == '"':
			inWord = true
			i++
			for ; i < len(runes) && runes[i] != '"'; i++ {
				if runes[i] == '\\' && i+1 < len(runes) && (runes[i+1] == '"' || runes[i+1] == '\\' || runes[i+1] == '$' || runes[i+1] == '`') {
					i++
				}
				word = append(word, runes[i])
			}
			if i == len(runes) {
				return nil, fmt.Errorf(`no closing " in %q`, s)
			}
		default:
			inWord = true
			word = append(word, r)
		}
	}
	if inWord {
		words = append(words, string(word))
	}
	return words, nil
}
