# SPDX-License-Identifier: GPL-2.0
#
# Bar chart of compare_bench's ratios: how many times arena's time each
# contender takes, per measure (log scale; above 1: arena is faster).
#   gnuplot -e "data='ratios.dat'; out='compare.svg'" bench/compare.gp
# ratios.dat: "measure: contender" TAB ratio, one line each (scripts/bench).
set terminal svg size 1100,720 dynamic font "sans,11"
set output out
set title "arena vs alternatives: time relative to arena (same VM run, log scale)"
set datafile separator "\t"
set logscale y
set format y "%g"
set yrange [0.00005:1000]
set bmargin 17
set rmargin 12
set ylabel "contender time / arena time"
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by -50 font ",9" nomirror
set grid ytics
set key off
set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb "red" lw 1.5
plot data using 0:2:xtic(1) with boxes lc rgb "#4477aa"
