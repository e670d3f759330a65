// Package arbiter is gunicorn-go's master process: it binds, serves every
// client connection itself, and runs and supervises the Python workers that
// run the app, as gunicorn's arbiter.py does.
//
// # Who does what
//
// gunicorn's workers each accept and parse HTTP, because a Python process
// can serve no more than its interpreter lock allows. Go serves every
// connection of a machine from one process, on all its cores, so gunicorn-go
// splits the job as NGINX Unit's router and Phusion Passenger's core do:
//
//   - the master (Go) binds, accepts, parses, reads each request whole,
//     hands it to a worker with a free thread (the pool, pool.go), and
//     writes the response at the client's pace;
//   - a worker is one Python process (stage 1's runner) that only runs the
//     app, Threads requests at a time.
//
// A slow client therefore holds a goroutine, never a Python process; a slow
// request delays no other while a thread is free anywhere; and a client's
// connection outlives the worker that served it: workers are replaced
// behind it (a crash, max_requests, a reload) without it noticing.
//
// # The loop
//
// Signal handlers only enqueue, and so do the workers' goroutines (a worker
// booted, exited, answered a ping): one loop takes the news in turn and,
// after each, makes the workers what they should be. Its pieces have
// gunicorn's names:
//
//	gunicorn's arbiter.py       here
//	run                          loop
//	handle_term, handle_int…     handleSignal, stop
//	handle_hup, reload           reload
//	handle_ttin, handle_ttou     handleSignal (target±1)
//	spawn_worker                 spawn
//	reap_workers                 reap
//	manage_workers               manage
//	murder_workers               murderWorkers, timeout
//
// A worker's life: booting (loading the app), serving (in the pool),
// retiring (out of the pool, finishing its requests, then stopped). It
// retires when a reload's new generation serves, when its replacement
// serves after it had its share of requests (max_requests), when there are
// more workers than asked for (TTOU), and when it is stuck.
//
// # Beyond gunicorn
//
// A stuck worker (a request older than the timeout) is not just killed: the
// traceback of each of its threads goes to the error log first, so the
// operator sees the line it was stuck on (gunicorn#3385, gunicorn#2454); its
// stuck request is answered 504; its other requests may finish. An idle
// worker must answer a ping within the timeout too. A reload whose new code
// does not import leaves the old workers serving (gunicorn#2443), and
// replacements that keep failing to load back off instead of looping.
package arbiter
