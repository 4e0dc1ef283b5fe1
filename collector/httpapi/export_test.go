package httpapi

// SetSpoolHook sets a function called when an upload's body starts being received.
func SetSpoolHook(s *Server, f func(uploader string)) { s.spoolHook = f }

// HoldVillageStreams takes every place of a whole village list written while it is read, as
// that many slow clients would; release gives them back.
func HoldVillageStreams(s *Server) (release func()) {
	var rel []func()
	for {
		r, ok := s.streamSlot()
		if !ok {
			break
		}
		rel = append(rel, r)
	}
	return func() {
		for _, r := range rel {
			r()
		}
	}
}
