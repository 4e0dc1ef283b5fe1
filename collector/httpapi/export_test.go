package httpapi

// SetSpoolHook sets a function called when an upload's body starts being received.
func SetSpoolHook(s *Server, f func(uploader string)) { s.spoolHook = f }
