package platform

// ToLineEndings exposes toLineEndings so that both the Windows and the Unix
// behaviour of ToPlatformLineEndings are tested on every OS.
var ToLineEndings = toLineEndings
