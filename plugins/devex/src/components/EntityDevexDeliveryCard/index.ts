export { EntityDevexDeliveryCard } from './EntityDevexDeliveryCard';
