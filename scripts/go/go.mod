module statebench/contender

go 1.22
