package main

// passwordOnly lets accounts sign in without a second factor. Only `escudo
// demo` sets it: a throw-away installation with fictional data, whose demo
// accounts are meant to be tried at once. `escudo serve` never does.
var passwordOnly bool
