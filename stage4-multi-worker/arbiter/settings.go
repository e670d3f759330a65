package arbiter

import "gunicorn-go/stage3-config-file/command"

// FromSettings is the arbiter's Config from gunicorn's settings (stage 3),
// with Reload reading them again for HUP.
func FromSettings(s *command.Settings) Config {
	return Config{
		Config:            s.Server,
		Workers:           s.Workers,
		WorkerTimeout:     command.Seconds(s.Timeout),
		MaxRequests:       s.MaxRequests,
		MaxRequestsJitter: s.MaxRequestsJitter,
		WorkerConnections: s.WorkerConnections,
		ProcName:          s.ProcName,
		Reload: func() (Config, []string, error) {
			next, warnings, err := s.Reload()
			if err != nil {
				return Config{}, nil, err
			}
			return FromSettings(next), warnings, nil
		},
	}
}
