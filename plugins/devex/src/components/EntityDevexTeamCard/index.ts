export { EntityDevexTeamCard } from './EntityDevexTeamCard';
